"""SQL repositories; each acts on the unit of work's connection and never commits."""
