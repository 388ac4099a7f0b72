"""`make demo`: the main job end to end. Uses the API at API_URL if one is up; otherwise starts the whole stack
(embedded Temporal + PostgreSQL, worker, API) for the run. Submits examples/products.csv, shows a live
progress bar, prints the results table, and stops what it started."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from contextlib import AsyncExitStack
from pathlib import Path

from internal.app.wiring import run_worker
from internal.cli import render
from internal.cli.client import ApiClient, ApiFailure
from internal.cli.main import console, watch
from internal.http.serve import check_api_settings, serve_api
from internal.platform.config import load_settings
from internal.platform.logs import configure_logging
from internal.platform.stack.runner import Stack
from internal.platform.startup import guarded

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "products.csv"


def demo_flow(client: ApiClient, path: Path) -> int:
    created = client.submit(path)
    console.print(
        f"\nSubmitted [bold]{path.name}[/]: job [bold]{created['job_id']}[/], {created['total_rows']} rows "
        f"({created['invalid_rows']} invalid, {created['duplicate_rows']} duplicate)\n"
    )
    final = watch(client, created["job_id"], interval=0.5)
    rows = list(client.results(created["job_id"]))
    options = client.job(created["job_id"])["options"]
    render.print_results(console, rows, options, title=f"Results of job {created['job_id']}")
    console.print(f"\n{final['status']} — {render.counts_text(final, sep=', ')}")
    # Saved rather than linked: when the demo started its own stack, the API is gone once it exits.
    out = Path(f"results-{created['job_id']}.csv")
    with out.open("wb") as fh:
        for chunk in client.results_csv(created["job_id"]):
            fh.write(chunk)
    console.print(f"Results CSV (opens in a spreadsheet): {out.resolve()}")
    return 0 if final["status"] == "completed" and len(rows) == final["total"] else 1


async def _with_own_stack(path: Path) -> int:
    settings = load_settings()
    check_api_settings(settings)
    stop = asyncio.Event()
    console.print("No API running: starting embedded Temporal, PostgreSQL, worker and API for this demo…")
    async with AsyncExitStack() as resources:
        stack = await resources.enter_async_context(Stack(settings))  # stopped last, after the worker and API
        tasks = [
            asyncio.create_task(run_worker(settings, stack.database_url, stop)),
            asyncio.create_task(serve_api(settings, stack.database_url, stop)),
        ]

        async def stop_services() -> None:
            stop.set()
            await asyncio.gather(*tasks, return_exceptions=True)

        resources.push_async_callback(stop_services)
        client = ApiClient(f"http://{settings.api_host}:{settings.api_port}", settings.token)
        resources.callback(client.close)
        for _ in range(100):
            if await asyncio.to_thread(client.healthy):
                break
            if any(t.done() for t in tasks):
                await asyncio.gather(*tasks)
            await asyncio.sleep(0.2)
        # The client is synchronous: run it in a thread so this loop keeps serving the worker and the API.
        code = await asyncio.to_thread(demo_flow, client, path)
    return code


def main() -> int:
    return guarded(_demo)


def _demo() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("file", nargs="?", type=Path, default=EXAMPLE, help="CSV to enrich (default: %(default)s)")
    parser.add_argument("--api-url", help="use this API instead of API_URL / starting one")
    args = parser.parse_args()
    configure_logging(logging.WARNING)
    logging.getLogger("temporalio").setLevel(logging.ERROR)  # activity failures are expected in the demo
    try:
        settings = load_settings()
        # API_URL (environment or .env, as the CLI reads it), else the API this machine's settings would serve.
        url = args.api_url or settings.api_url or f"http://{settings.api_host}:{settings.api_port}"
        client = ApiClient(url, settings.token)
        if client.healthy():
            console.print(f"Using the API at {url}")
            try:
                return demo_flow(client, args.file)
            finally:
                client.close()
        client.close()
        return asyncio.run(_with_own_stack(args.file))
    except ApiFailure as err:
        print(f"error ({err.code}): {err.message}", file=sys.stderr)
        return 3 if err.status == 0 or err.status >= 500 else 2


if __name__ == "__main__":
    sys.exit(main())
