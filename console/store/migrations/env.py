from alembic import context

import console.store.insight_models  # registers the inbound table and the 0006 indexes
import console.store.review_models  # noqa: F401  (registers the review tables on Base.metadata)
from console.store.models import Base

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - the console always passes its connection
    raise RuntimeError("run migrations through console.store.migrate")

context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
