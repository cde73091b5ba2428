"""Sample entries for the elementwise ops added after the first set (see ``ember_conformance.samples``)."""

ENTRIES = []
