"""The ops API: a Powertools REST resolver, one Router per resource, pydantic models at the edge."""
