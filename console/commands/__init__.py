"""The commands of ``dnd-console``, one module per area; ``console.cli`` assembles them."""
