"""Provider exports turned into ledger events, one module per format."""
