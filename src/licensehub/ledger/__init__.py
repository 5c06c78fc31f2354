"""The ledger: the tables every vendor API reads from, and the engine that holds them."""
