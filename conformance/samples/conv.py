"""Sample entries for the conv ops added after the first set (see ``ember_conformance.samples``)."""

ENTRIES = []
