"""SOURCE_RATE_LIMITS against the Walmart fake: a job of `--rows` one-page products through `--workers` real
`cmd/worker.py` processes with `walmart=<--limit>`, on a scratch stack. Prints the fake's request counts over
sliding windows against what the limit allows (limit × window, + 1 for clock edges) and the request rate while the
job kept the source busy, and exits 1 if any window exceeds what is allowed or the busy rate is under 90 % of the
limit.

    python bench/rate_limit_check.py --rows 500 --limit 8
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from cryptography.hazmat.primitives import serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import rsa  # noqa: E402
from temporalio.client import Client  # noqa: E402

from bench.stack import scratch_stack  # noqa: E402
from internal.app.state import StateManager  # noqa: E402
from tests.fakes.server import serve_app  # noqa: E402
from tests.fakes.walmart import PAGE_SIZE, FakeWalmart  # noqa: E402
from tests.integration.rate_harness import (  # noqa: E402
    busy_period,
    ceiling,
    limited_workers,
    max_in_window,
    per_second,
    rate_over,
)

CONSUMER = "consumer-rate-check"
WINDOWS = (1.0, 2.0, 5.0, 10.0, 30.0)


async def check(rows: int, limit: float, workers: int) -> int:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    fake = FakeWalmart(key.public_key(), CONSUMER)
    products = [str(700_000 + n) for n in range(rows)]
    fake.catalog.update({p: PAGE_SIZE for p in products})  # one signed page each
    async with scratch_stack("rate-check-") as stack:
        key_path = stack.workdir / "walmart.pem"
        pem = key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        key_path.write_bytes(pem)
        client = await Client.connect(stack.server.address)
        state = await StateManager.connect(stack.dsn, max_size=4)
        try:
            with serve_app(fake.app) as url:
                async with limited_workers(
                    client,
                    stack.dsn,
                    stack.workdir,
                    workers,
                    review_source="walmart",
                    walmart_base_url=url,
                    wm_consumer_id=CONSUMER,
                    wm_private_key_path=key_path,
                    source_rate_limits=f"walmart={limit:g}",
                ) as limited:
                    started = time.monotonic()
                    job_id = await limited.run_job(state, products, timeout=rows / limit * 3 + 120)
                    took = time.monotonic() - started
            progress = await state.jobs.get_progress(job_id)
        finally:
            await state.close()
    # One request per product: each request is its own product for busy_period.
    served, seconds = busy_period({str(n): [t] for n, t in enumerate(fake.times)}, limit)
    busy = served / seconds
    print(f"{rows} rows, {workers} worker processes, walmart={limit:g}: job {progress.status} in {took:.1f} s")
    print(f"{len(fake.times)} requests ({len(fake.rejections)} rejected), {rate_over(fake.times):.2f}/s first to last")
    print(f"{busy:.2f}/s while the job kept the source busy ({busy / limit:.0%} of the limit)")
    print(f"per second: {per_second(fake.times)}")
    print("| window | most requests seen | allowed (limit × window + 1) |")
    print("| --- | --- | --- |")
    exceeded = busy < 0.9 * limit
    for window in WINDOWS:
        seen, allowed = max_in_window(fake.times, window), ceiling(limit, window)
        exceeded |= seen > allowed
        print(f"| {window:g} s | {seen} | {allowed:g} |")
    return 1 if exceeded or progress.status != "completed" else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=500)
    parser.add_argument("--limit", type=float, default=8.0, help="walmart requests per second")
    parser.add_argument("--workers", type=int, default=3)
    args = parser.parse_args()
    return asyncio.run(check(args.rows, args.limit, args.workers))


if __name__ == "__main__":
    sys.exit(main())
