"""Sample entries for the nn ops added after the first set (see ``ember_conformance.samples``)."""

ENTRIES = []
