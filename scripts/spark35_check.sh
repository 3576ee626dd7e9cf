#!/usr/bin/env bash
# The Spark jobs on pyspark 3.5, the Spark of EMR 7.x: tests/test_spark_jobs.py with every job's
# driver, its Python workers and the standalone cluster on an interpreter whose pyspark is 3.5.
#   scripts/spark35_check.sh VENV
# The interpreter is an isolated venv (made once under ~/.cache/physai) that holds pyspark 3.5
# alone (~320 MB) and sees the project's venv behind it, so everything but Spark is the same
# code and the same versions. Too big a download for CI; `make spark35-check` runs it.
set -euo pipefail
VENV=${1:-.venv}
PYSPARK35=${PYSPARK35:-3.5.7}
DIR=${FACTORY_SPARK35_VENV:-$HOME/.cache/physai/spark-$PYSPARK35}
log() { printf '\033[1mspark35:\033[0m %s\n' "$*"; }

if [ ! -x "$DIR/bin/python" ]; then
  log "creating $DIR"
  "$VENV/bin/python" -m venv "$DIR"
fi
if [ "$("$DIR/bin/python" -c 'import pyspark; print(pyspark.__version__)' 2>/dev/null || true)" != "$PYSPARK35" ]; then
  log "installing pyspark $PYSPARK35"
  "$DIR/bin/python" -m pip -q --disable-pip-version-check install --no-deps "pyspark==$PYSPARK35"
fi
# The project's site-packages after the venv's own (so its pyspark 3.5 comes first); addsitedir
# also reads the .pth files there, among them the project's editable install.
OWN=$("$DIR/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
PROJECT=$("$VENV/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
echo "import site; site.addsitedir('$PROJECT')" > "$OWN/zz_factory_project.pth"
"$DIR/bin/python" -c "import pyspark, deltalake, resources.lake; assert pyspark.__version__ == '$PYSPARK35', pyspark.__version__"
log "tests/test_spark_jobs.py on pyspark $PYSPARK35 ($DIR/bin/python)"
FACTORY_TEST_SPARK_PYTHON="$DIR/bin/python" "$VENV/bin/python" -m pytest -q -p no:cacheprovider tests/test_spark_jobs.py
