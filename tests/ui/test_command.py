"""`reflow ui` as a command: it serves the page on the port it says, with the cluster flags, until stopped."""

from __future__ import annotations

import asyncio
import re
import sys
from pathlib import Path

import aiohttp

from reflow.kube.client import Kube


async def test_reflow_ui_serves_the_page_and_its_assets_on_the_port_it_announces(
    kubeconfig: Path, namespace: str, flux_crds: list[object], kube: Kube
) -> None:
    command = [sys.executable, "-m", "reflow", "ui", "--port", "0", "--read-only", "--kubeconfig", str(kubeconfig),
               "-n", namespace, "--watch-all-namespaces=false"]  # fmt: skip
    process = await asyncio.create_subprocess_exec(*command, stderr=asyncio.subprocess.PIPE)
    try:
        assert process.stderr is not None
        found = None
        async with asyncio.timeout(60):
            while found is None:  # a list retried while starting is logged first
                line = (await process.stderr.readline()).decode()
                assert line, "reflow ui ended before serving"
                found = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
        url = found.group(0)
        async with aiohttp.ClientSession() as session:
            async with session.get(url) as page:
                text = await page.text()
                assert page.status == 200
                assert '<meta name="read-only" content="true">' in text
                assert "cdn" not in text.lower()
                policy = page.headers["Content-Security-Policy"]
                assert policy.startswith("default-src 'self'")
                assert "frame-ancestors 'none'" in policy
            for asset in ("app.js", "app.css"):
                async with session.get(f"{url}static/{asset}") as answer:
                    assert answer.status == 200, asset
            async with session.get(f"{url}api/objects") as answer:
                assert (await answer.json())["rows"] == []
            # DNS rebinding: a page whose own name now resolves to 127.0.0.1 reads and acts on nothing.
            port = found.group(1)
            for path in ("", "api/objects", "api/events"):
                async with session.get(f"{url}{path}", headers={"Host": f"evil.example:{port}"}) as answer:
                    assert answer.status == 421, path
            async with session.get(f"{url}api/objects", headers={"Host": f"localhost:{port}"}) as answer:
                assert answer.status == 200
    finally:
        process.terminate()
        await process.wait()


async def test_local_mode_refuses_an_address_other_hosts_reach(kubeconfig: Path) -> None:
    command = [sys.executable, "-m", "reflow", "ui", "--address", "0.0.0.0", "--kubeconfig", str(kubeconfig)]
    process = await asyncio.create_subprocess_exec(*command, stderr=asyncio.subprocess.PIPE)
    async with asyncio.timeout(60):
        _, stderr = await process.communicate()
    assert process.returncode == 2
    assert "0.0.0.0 is not a loopback address" in stderr.decode()
    assert "--address" in stderr.decode()
