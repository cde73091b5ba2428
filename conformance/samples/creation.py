"""Sample entries for the creation ops added after the first set (see ``ember_conformance.samples``)."""

ENTRIES = []
