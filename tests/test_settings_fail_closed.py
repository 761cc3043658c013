"""Settings fail closed: a process started without DEBUG is production and needs its secrets."""

import os
import subprocess
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent


def test_without_debug_the_settings_are_production_and_refuse_to_start_without_secrets():
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DEBUG", "SECRET_KEY", "JWT_PRIVATE_KEY_PATH", "JWT_PUBLIC_KEY_PATH"}
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG=0" in result.stderr
