"""Typed settings read from the environment; nothing connects at import time."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import platformdirs


def _env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return value if value not in (None, "") else default


@dataclass(frozen=True)
class Settings:
    """Every knob Nexa reads from the environment, with its default."""

    database_url: str | None = field(default_factory=lambda: _env("DATABASE_URL"))
    database_replica_url: str | None = field(default_factory=lambda: _env("NEXA_DATABASE_REPLICA_URL"))
    home: Path = field(default_factory=lambda: Path(_env("NEXA_HOME") or platformdirs.user_data_dir("nexa")))
    embed_model: str | None = field(default_factory=lambda: _env("NEXA_EMBED_MODEL"))
    embed_threads: int = field(default_factory=lambda: int(_env("NEXA_EMBED_THREADS", "1") or 1))
    # How a local model runs: "onnx" (int8 ONNX Runtime export, built once into cache_dir; 3-4x torch's speed) or
    # "torch" (also the fallback when onnxruntime is missing).
    embed_runtime: str = field(default_factory=lambda: _env("NEXA_EMBED_RUNTIME", "onnx") or "onnx")
    # Files derived from shipped ones and rebuilt when missing (the ONNX export of the embedding model).
    cache_dir: Path = field(default_factory=lambda: Path(_env("NEXA_CACHE_DIR") or platformdirs.user_cache_dir("nexa")))
    embed_base_url: str | None = field(default_factory=lambda: _env("NEXA_EMBED_BASE_URL"))
    llm_base_url: str | None = field(default_factory=lambda: _env("NEXA_LLM_BASE_URL", _env("OPENAI_BASE_URL")))
    llm_api_key: str | None = field(default_factory=lambda: _env("OPENAI_API_KEY"))
    llm_model: str = field(default_factory=lambda: _env("NEXA_LLM_MODEL", "gpt-4o-mini") or "")
    llm_timeout_s: float = field(default_factory=lambda: float(_env("NEXA_LLM_TIMEOUT", "60") or 60))
    statement_timeout_ms: int = field(default_factory=lambda: int(_env("NEXA_STATEMENT_TIMEOUT_MS", "15000") or 15000))
    pool_size: int = field(default_factory=lambda: int(_env("NEXA_POOL_SIZE", "10") or 10))
    pool_recycle_s: int = field(default_factory=lambda: int(_env("NEXA_POOL_RECYCLE", "1800") or 1800))
    token_cache_s: float = field(default_factory=lambda: float(_env("NEXA_TOKEN_CACHE_SECONDS", "5") or 0))
    route_high: int = field(default_factory=lambda: int(_env("NEXA_ROUTE_HIGH", "75") or 75))
    route_medium: int = field(default_factory=lambda: int(_env("NEXA_ROUTE_MEDIUM", "50") or 50))
    nurture_campaign: str = field(default_factory=lambda: _env("NEXA_NURTURE_CAMPAIGN", "Nurture") or "Nurture")
    # Sales automation rules (store/services/lead_automation.py, lead qualification and conversion, deal insights).
    followup_high_hours: int = field(default_factory=lambda: int(_env("NEXA_FOLLOWUP_HIGH_HOURS", "4") or 4))
    followup_medium_days: int = field(default_factory=lambda: int(_env("NEXA_FOLLOWUP_MEDIUM_DAYS", "1") or 1))
    business_hours: tuple[int, int] = field(
        default_factory=lambda: (
            int((h := (_env("NEXA_BUSINESS_HOURS", "9-17") or "9-17").split("-", 1))[0]),
            int(h[1]),
        )
    )
    welcome_sources: tuple[str, ...] = field(
        default_factory=lambda: tuple(
            s.strip() for s in (_env("NEXA_WELCOME_SOURCES", "website") or "").split(",") if s.strip()
        )
    )
    qualify_requires_bant: bool = field(default_factory=lambda: _env("NEXA_QUALIFY_REQUIRES_BANT", "1") == "1")
    convert_requires_qualified: bool = field(
        default_factory=lambda: _env("NEXA_CONVERT_REQUIRES_QUALIFIED", "1") == "1"
    )
    deal_stuck_days: int = field(default_factory=lambda: int(_env("NEXA_DEAL_STUCK_DAYS", "14") or 14))
    win_model_min_deals: int = field(default_factory=lambda: int(_env("NEXA_WIN_MODEL_MIN_DEALS", "20") or 20))
    smtp_url: str | None = field(default_factory=lambda: _env("NEXA_SMTP_URL"))
    smtp_from: str | None = field(default_factory=lambda: _env("NEXA_SMTP_FROM"))
    token_budget: int = field(default_factory=lambda: int(_env("NEXA_TOKEN_BUDGET", "200000") or 200000))
    turn_seconds: float = field(default_factory=lambda: float(_env("NEXA_TURN_SECONDS", "120") or 120))
    max_message_chars: int = field(default_factory=lambda: int(_env("NEXA_MAX_MESSAGE_CHARS", "4000") or 4000))
    slack_bot_token: str | None = field(default_factory=lambda: _env("SLACK_BOT_TOKEN"))
    slack_signing_secret: str | None = field(default_factory=lambda: _env("SLACK_SIGNING_SECRET"))
    slack_app_token: str | None = field(default_factory=lambda: _env("SLACK_APP_TOKEN"))
    slack_api_url: str = field(default_factory=lambda: _env("SLACK_API_URL", "https://slack.com/api/") or "")
    public_url: str | None = field(default_factory=lambda: _env("NEXA_PUBLIC_URL"))
    slack_alerts_channel: str | None = field(default_factory=lambda: _env("NEXA_SLACK_ALERTS_CHANNEL"))
    in_process_worker: bool = field(default_factory=lambda: _env("NEXA_IN_PROCESS_WORKER", "0") == "1")
    worker_concurrency: int = field(default_factory=lambda: int(_env("NEXA_WORKER_CONCURRENCY", "1") or 1))
    jobs_poll_s: float = field(default_factory=lambda: float(_env("NEXA_JOBS_POLL", "5") or 5))
    jobs_heartbeat_s: float = field(default_factory=lambda: float(_env("NEXA_JOBS_HEARTBEAT", "10") or 10))
    jobs_stalled_s: float = field(default_factory=lambda: float(_env("NEXA_JOBS_STALLED_AFTER", "30") or 30))
    job_modules: tuple[str, ...] = field(
        default_factory=lambda: tuple(m.strip() for m in (_env("NEXA_JOB_MODULES") or "").split(",") if m.strip())
    )
    secret_key: str | None = field(default_factory=lambda: _env("NEXA_SECRET_KEY"))
    widget_per_ip: int = field(default_factory=lambda: int(_env("NEXA_WIDGET_PER_IP", "60") or 60))
    widget_per_session: int = field(default_factory=lambda: int(_env("NEXA_WIDGET_PER_SESSION", "20") or 20))
    api_per_minute: int = field(default_factory=lambda: int(_env("NEXA_API_PER_MINUTE", "1200") or 1200))
    cors_origins: tuple[str, ...] = field(
        default_factory=lambda: tuple(o.strip() for o in (_env("NEXA_CORS_ORIGINS") or "*").split(",") if o.strip())
    )
    # Shared-inbox SLA targets in minutes, first response / resolution, per priority (store/inbox/sla.py)
    inbox_sla: str = field(
        default_factory=lambda: (
            _env("NEXA_INBOX_SLA", "urgent=60/240,high=240/1440,medium=480/2880,low=1440/5760") or ""
        )
    )
    console_insecure_cookie: bool = field(default_factory=lambda: _env("NEXA_CONSOLE_INSECURE_COOKIE", "0") == "1")
    # Shared-inbox IMAP: workers keep each mailbox in IDLE (mail arrives in seconds); 0 leaves them to the minute poll
    inbox_idle: bool = field(default_factory=lambda: _env("NEXA_INBOX_IDLE", "1") != "0")
    inbox_max_attachment_mb: int = field(default_factory=lambda: int(_env("NEXA_INBOX_MAX_ATTACHMENT_MB", "25") or 25))
    # Mass email: the sender's postal address printed in every footer (required to send), and messages per second
    # per worker (0: as fast as the SMTP server takes them).
    mail_postal_address: str | None = field(default_factory=lambda: _env("NEXA_MAIL_ADDRESS"))
    mass_email_rate: float = field(default_factory=lambda: float(_env("NEXA_MASS_EMAIL_RATE", "0") or 0))
    # A campaign member sent a message (relay answered 250) becomes delivered when no bounce came within these hours.
    delivered_after_h: float = field(default_factory=lambda: float(_env("NEXA_DELIVERED_AFTER_HOURS", "24") or 24))
    forms_per_ip: int = field(default_factory=lambda: int(_env("NEXA_FORMS_PER_IP", "10") or 10))

    def signing_key(self) -> bytes:
        """The key that signs links Nexa mails (NEXA_SECRET_KEY, else a random one kept in NEXA_HOME/secret_key)."""
        if self.secret_key:
            return self.secret_key.encode()
        path = self.home / "secret_key"
        path.parent.mkdir(parents=True, exist_ok=True)
        try:  # exclusive create: concurrent first starts agree on one key
            with os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w") as out:
                out.write(secrets.token_urlsafe(32))
        except FileExistsError:
            pass
        return path.read_text().strip().encode()

    @property
    def pgdata(self) -> Path:
        """Data folder of the embedded PostgreSQL server."""
        return self.home / "pgdata"

    @property
    def llm_configured(self) -> bool:
        """True when an OpenAI-compatible endpoint or key is configured."""
        return bool(self.llm_base_url or self.llm_api_key)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return Settings()
