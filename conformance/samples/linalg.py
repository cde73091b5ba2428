"""Sample entries for the linalg ops added after the first set (see ``ember_conformance.samples``)."""

ENTRIES = []
