"""Background jobs on procrastinate's PostgreSQL queue (the same database as the CRM, no broker).

`defer` queues a job in the caller's transaction; `queue` holds the procrastinate App and the job listing; `worker` runs
workers (`nexa worker`, in-process under `nexa serve`); one module per area holds its tasks, each a
thin call into a service: `emails`, `campaigns`, `knowledge`, `scoring`, `alerts`. Importing this package
registers nothing and connects nowhere: the worker imports the task modules (`TASK_MODULES`).
"""

# The states `nexa jobs` shows, by procrastinate's names for them.
STATUSES = {"queued": "todo", "doing": "doing", "failed": "failed", "succeeded": "succeeded"}
