"""The HTTP plumbing every route shares: middleware, session identity, CSRF, client address."""
