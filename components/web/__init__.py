"""Everything that knows HTTP but is not a journey's handler: the step table's
types, the render seam, visits and sessions, CSRF, middleware, error pages,
templates, static files and probes."""
