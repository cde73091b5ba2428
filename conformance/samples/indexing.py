"""Sample entries for the indexing ops added after the first set (see ``ember_conformance.samples``)."""

ENTRIES = []
