"""Files in and out: tracker exports and Metrica CSVs read as text; Metrica CSVs written exactly."""

from callframe.io.exports import (
    KNOWN_ENVELOPES,
    ScannedExport,
    TrackerExport,
    read_export,
    scan_export,
)
from callframe.io.metrica_csv import METRICA_MAX_BYTES, read_metrica_csv, write_text_frame

__all__ = [
    "KNOWN_ENVELOPES",
    "METRICA_MAX_BYTES",
    "ScannedExport",
    "TrackerExport",
    "read_export",
    "read_metrica_csv",
    "scan_export",
    "write_text_frame",
]
