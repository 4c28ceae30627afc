"""`sam local start-api` on the built template, without Docker.

SAM CLI's own parts do the work: its template reader, its route discovery (the routes it would
serve), its Lambda runner (which resolves the function, its layers and its environment, the
`--env-vars` file included) and its local API Gateway (which turns each HTTP request into the
payload 2.0 event and the function's answer into the HTTP response). Only its container runtime is
replaced: each invocation runs packaging/lambda_process.py in a fresh process, with the built
function and its layer where Lambda puts them on sys.path. Docker is what this machine lacks;
this shows what start-api does with this template short of the container.

Run with SAM CLI's interpreter after `sam build` (tests/packaging/test_sam_local_api.py does):

    $SAM_ROOT/bin/python packaging/sam_local_api.py --port 3001 --env-vars env.json \
        --parameter-overrides Architecture=x86_64

As `sam local start-api --disable-authorizer`: SAM CLI runs Lambda authorizers alone, and this
template's are IAM or JWT.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from samcli.commands.local.lib.local_lambda import LocalLambdaRunner
from samcli.lib.providers.api_provider import ApiProvider
from samcli.lib.providers.sam_function_provider import SamFunctionProvider
from samcli.lib.providers.sam_stack_provider import SamLocalStackProvider
from samcli.lib.utils.stream_writer import StreamWriter
from samcli.local.apigw.local_apigw_service import LocalApigwService

BOOTSTRAP = Path(__file__).with_name("lambda_process.py")


class ProcessRuntime:
    """Stands in for SAM CLI's LambdaRuntime (a container per invocation): a process per
    invocation, a cold start each time, as start-api without warm containers. The interpreter
    is this one, isolated (-I): its boto3 stands for the one Lambda's runtime provides."""

    def __init__(self, base: Path) -> None:
        self.base = base

    def invoke(
        self,
        function_config: Any,
        event: str,
        tenant_id: str | None = None,
        *,
        stdout: StreamWriter | None = None,
        stderr: StreamWriter | None = None,
        **_container_options: Any,
    ) -> None:
        # The runner resolved the code's path already; a layer's is relative to the template.
        code = Path(function_config.code_abs_path)
        layers = [self.base / layer.codeuri / "python" for layer in function_config.layers]
        env = {
            **function_config.env_vars.resolve(),
            "LAMBDA_TASK_ROOT": str(code),
            "LANG": "en_US.UTF-8",
            "TZ": ":UTC",
            "PYTHONDONTWRITEBYTECODE": "1",
        }
        try:
            done = subprocess.run(
                [sys.executable, "-I", str(BOOTSTRAP), str(code), *map(str, layers)],
                input=event.encode(),
                capture_output=True,
                env=env,
                cwd=code,
                timeout=function_config.timeout + 5,
            )
        except subprocess.TimeoutExpired as expired:
            # No answer: SAM CLI's API Gateway then answers 502, as for a container timed out.
            output = expired.stderr or b""
        else:
            output = done.stderr
            if stdout is not None and done.stdout:
                stdout.write_str(done.stdout.decode())
        if stderr is not None:
            stderr.write_str(output.decode(errors="replace"))
            stderr.flush()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--template", type=Path, default=Path(".aws-sam/build/template.yaml"))
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=3000)
    parser.add_argument("--env-vars", type=Path, help="as sam local's --env-vars: JSON")
    parser.add_argument("--region", default="us-east-1")
    parser.add_argument("--parameter-overrides", nargs="*", default=[], metavar="KEY=VALUE")
    args = parser.parse_args()

    template = args.template.resolve()
    cwd = template.parent  # as start-api: paths in the template are relative to its folder
    overrides = dict(pair.split("=", 1) for pair in args.parameter_overrides)
    env_vars = json.loads(args.env_vars.read_text(encoding="utf-8")) if args.env_vars else {}
    stacks, _ = SamLocalStackProvider.get_stacks(str(template), parameter_overrides=overrides)
    runner = LocalLambdaRunner(
        local_runtime=ProcessRuntime(cwd),
        function_provider=SamFunctionProvider(stacks),
        cwd=str(cwd),
        real_path=str(cwd),
        aws_region=args.region,
        env_vars_values=env_vars,
    )
    api = ApiProvider(stacks, cwd=str(cwd), disable_authorizer=True).api
    if not api.routes:
        sys.exit("SAM CLI finds no API route in the template")
    service = LocalApigwService(
        api=api,
        lambda_runner=runner,
        port=args.port,
        host=args.host,
        stderr=StreamWriter(sys.stderr, auto_flush=True),
    )
    service.create()
    for route in api.routes:
        print(f"route {','.join(sorted(route.methods))} {route.path} -> {route.function_name}")
    print(f"serving http://{args.host}:{args.port}", flush=True)
    service.run()


if __name__ == "__main__":
    main()
