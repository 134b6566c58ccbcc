"""CSV import (HubSpot and Salesforce presets, any other file by its column names) and CSV export."""

from store.imports.importer import Importer, ImportOptions, ImportReport, RowIssue
from store.imports.mapping import RESOURCES

__all__ = ["RESOURCES", "ImportOptions", "ImportReport", "Importer", "RowIssue"]
