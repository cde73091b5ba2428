"""Sample entries for the reduction ops added after the first set (see ``ember_conformance.samples``)."""

ENTRIES = []
