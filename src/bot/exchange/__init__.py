"""Exchange access: the gateway port, its error taxonomy, and the adapters."""
