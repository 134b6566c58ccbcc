"""CSV import (HubSpot and Salesforce presets, any other file by its column names) and CSV export."""

from store.imports.importer import ImportOptions, ImportReport, Importer, RowIssue
from store.imports.mapping import RESOURCES

__all__ = ["ImportOptions", "ImportReport", "Importer", "RESOURCES", "RowIssue"]
