"""One module per rule family; `forge.gates.registry` lists them all."""
