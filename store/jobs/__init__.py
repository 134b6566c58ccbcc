"""Background jobs on procrastinate's PostgreSQL queue (the same database as the CRM, no broker).

`queue` holds the procrastinate App, the transactional `defer` and the job listing; `worker` runs
workers (`nexa worker`, in-process under `nexa serve`); one module per area holds its tasks, each a
thin call into a service: `emails`, `knowledge`, `scoring`, `alerts`. Importing this package
registers nothing and connects nowhere: the worker imports the task modules (`TASK_MODULES`).
"""
