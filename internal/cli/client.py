"""A small HTTP client for the API, used by the CLI and `make demo`."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx


class ApiFailure(Exception):
    """The API answered with an error (status >= 400) or could not be reached (status 0)."""

    def __init__(self, status: int, code: str, message: str, details: Any = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.details = status, code, message, details


class ApiClient:
    def __init__(self, base_url: str, token: str | None = None, timeout: float = 60.0) -> None:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self.base_url = base_url.rstrip("/")
        self._http = httpx.Client(base_url=self.base_url, headers=headers, timeout=timeout)

    def close(self) -> None:
        self._http.close()

    def _call(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        try:
            response = self._http.request(method, path, **kwargs)
        except httpx.HTTPError as err:
            raise ApiFailure(0, "unreachable", f"cannot reach the API at {self.base_url}: {err}") from None
        if response.status_code >= 400:
            self._raise(response)
        return response

    def healthy(self) -> bool:
        try:
            return self._http.get("/healthz", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    def submit(self, path: Path, options: dict[str, Any] | None = None) -> dict[str, Any]:
        with path.open("rb") as fh:
            files = {"file": (path.name, fh, "text/csv")}
            data = {"options": json.dumps(options)} if options else None
            return dict(self._call("POST", "/api/v1/jobs", files=files, data=data).json())

    def jobs(self, limit: int = 20, status: str | None = None) -> list[dict[str, Any]]:
        params: dict[str, Any] = {"limit": limit}
        if status:
            params["status"] = status
        return list(self._call("GET", "/api/v1/jobs", params=params).json()["jobs"])

    def job(self, job_id: str) -> dict[str, Any]:
        return dict(self._call("GET", f"/api/v1/jobs/{job_id}").json())

    def progress(self, job_id: str) -> dict[str, Any]:
        return dict(self._call("GET", f"/api/v1/jobs/{job_id}/progress").json())

    def results(self, job_id: str, page: int = 500) -> Iterator[dict[str, Any]]:
        after = 0
        while True:
            body = self._call("GET", f"/api/v1/jobs/{job_id}/results", params={"after": after, "limit": page}).json()
            yield from body["results"]
            if body["next_after"] is None:
                return
            after = body["next_after"]

    def results_csv(self, job_id: str) -> Iterator[bytes]:
        try:
            with self._http.stream("GET", f"/api/v1/jobs/{job_id}/results", params={"format": "csv"}) as response:
                if response.status_code >= 400:
                    response.read()
                    self._raise(response)
                yield from response.iter_bytes()
        except httpx.HTTPError as err:
            raise ApiFailure(0, "unreachable", f"cannot reach the API at {self.base_url}: {err}") from None

    def _raise(self, response: httpx.Response) -> None:
        try:
            error = response.json()["error"]
        except (ValueError, KeyError, TypeError):
            raise ApiFailure(response.status_code, "http_error", response.text[:200]) from None
        raise ApiFailure(response.status_code, error["code"], error["message"], error.get("details"))

    def product(self, job_id: str, row: int, *, offset: int = 0, limit: int = 20) -> dict[str, Any]:
        params = {"offset": offset, "limit": limit}
        return dict(self._call("GET", f"/api/v1/jobs/{job_id}/products/{row}", params=params).json())

    def action(self, job_id: str, action: str) -> dict[str, Any]:
        return dict(self._call("POST", f"/api/v1/jobs/{job_id}/{action}").json())

    # ---- schedules (internal/cli/schedules.py) -------------------------------------------------------------------

    def schedule_create(
        self,
        path: Path,
        *,
        every: str | None,
        cron: str | None,
        options: dict[str, Any] | None = None,
        name: str | None = None,
    ) -> dict[str, Any]:
        fields = {"every": every, "cron": cron, "name": name, "options": json.dumps(options) if options else None}
        with path.open("rb") as fh:
            files = {"file": (path.name, fh, "text/csv")}
            data = {k: v for k, v in fields.items() if v}
            return dict(self._call("POST", "/api/v1/schedules", files=files, data=data).json())

    def schedules(self) -> list[dict[str, Any]]:
        return list(self._call("GET", "/api/v1/schedules").json()["schedules"])

    def schedule(self, schedule_id: str) -> dict[str, Any]:
        return dict(self._call("GET", f"/api/v1/schedules/{schedule_id}").json())

    def schedule_action(self, schedule_id: str, action: str) -> dict[str, Any]:
        if action == "delete":
            return dict(self._call("DELETE", f"/api/v1/schedules/{schedule_id}").json())
        return dict(self._call("POST", f"/api/v1/schedules/{schedule_id}/{action}").json())

    def dead_letters(self, **filters: Any) -> dict[str, Any]:
        params = {k: v for k, v in filters.items() if v is not None}
        return dict(self._call("GET", "/api/v1/dead-letters", params=params).json())

    def replay_dead_letters(self, **filters: Any) -> dict[str, Any]:
        body = {k: v for k, v in filters.items() if v is not None}
        return dict(self._call("POST", "/api/v1/dead-letters/replay", json=body).json())

    # ---- alerts (internal/cli/alerts.py) -------------------------------------------------------------------------

    def alert_subscribe(self, body: dict[str, Any]) -> dict[str, Any]:
        return dict(self._call("POST", "/api/v1/alerts/subscriptions", json=body).json())

    def alert_subscriptions(self) -> list[dict[str, Any]]:
        return list(self._call("GET", "/api/v1/alerts/subscriptions").json()["subscriptions"])

    def alert_unsubscribe(self, subscription_id: str) -> None:
        self._call("DELETE", f"/api/v1/alerts/subscriptions/{subscription_id}")

    def alerts(self, limit: int = 50, subscription_id: str | None = None) -> list[dict[str, Any]]:
        params: dict[str, Any] = {"limit": limit}
        if subscription_id:
            params["subscription_id"] = subscription_id
        return list(self._call("GET", "/api/v1/alerts", params=params).json()["alerts"])
