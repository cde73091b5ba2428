"""Sample entries for the shape ops added after the first set (see ``ember_conformance.samples``)."""

ENTRIES = []
