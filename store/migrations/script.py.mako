<%!
import importlib.util
import re


def module_imports(imports, *bodies):
    """The import lines, sorted as ruff sorts them: what autogenerate collected, sqlalchemy when `sa.` is used, and
    the modules of the types it spelled out in full (pgvector's VECTOR, say)."""
    text = "\n".join(b or "" for b in bodies)
    lines = {line for line in (imports or "").splitlines() if line.strip()} | {"from alembic import op"}
    if re.search(r"\bsa\.", text):
        lines.add("import sqlalchemy as sa")
    for dotted in re.findall(r"(?<![\w.])([a-z_]\w*(?:\.[a-z_]\w*)+)\.[A-Za-z_]\w*\(", text):
        if dotted.split(".")[0] not in ("sa", "op", "postgresql") and importlib.util.find_spec(dotted.split(".")[0]):
            lines.add(f"import {dotted}")
    return sorted(line for line in lines if line.startswith("import ")) + sorted(line for line in lines if line.startswith("from "))
%>"""${message}

Revision ID: ${up_revision}
Revises: ${down_revision | comma,n}
Create Date: ${create_date}
"""

from __future__ import annotations

% for line in module_imports(imports, upgrades, downgrades):
${line}
% endfor

revision = ${repr(up_revision)}
down_revision = ${repr(down_revision)}
branch_labels = ${repr(branch_labels)}
depends_on = ${repr(depends_on)}


def upgrade() -> None:
    ${upgrades if upgrades else "pass"}


def downgrade() -> None:
    ${downgrades if downgrades else "pass"}
