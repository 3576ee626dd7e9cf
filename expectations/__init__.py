"""Great Expectations suites (one JSON file per table) and the gate that applies them."""
