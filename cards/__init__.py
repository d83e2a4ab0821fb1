"""Pure functions from domain objects to Adaptive Card 1.5 JSON, one module per card family."""
