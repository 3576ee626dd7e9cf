"""One module per table: what the table is, what it reads, which engine makes it."""
