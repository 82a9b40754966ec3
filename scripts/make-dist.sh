#!/usr/bin/env bash
# Builds dist/fusion4j: a jlinked Java runtime (only the JDK modules fusion4j needs), the jars and
# bin/fusion4j. The folder runs on an x86-64 Linux machine with no Java installed, e.g. a GPU box:
#   ./build -Pdist package          (or scripts/make-dist.sh after a build)
#   dist/fusion4j/bin/fusion4j backends
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
. "$root/scripts/jdk25.sh"
cd "$root"
if ! ls eval/target/fusion4j-eval-*.jar >/dev/null 2>&1 || [ ! -d eval/target/lib ]; then
  echo "make-dist: building the jars first" >&2
  ./build -q -DskipTests install
fi
out="$root/dist/fusion4j"
rm -rf "$out"
mkdir -p "$out/lib" "$out/bin"
cp eval/target/fusion4j-eval-*.jar eval/target/lib/*.jar "$out/lib/"
# Report plots (JFreeChart on java.desktop) stay out of the bundle: java.desktop alone would take it over the size
# budget (decision 0027). Reports written here carry their tables and a note per plot; `fusion4j report` draws them.
rm -f "$out"/lib/jfreechart-*.jar

# jdeps finds java.base, java.logging, jdk.incubator.vector and jdk.management (and java.desktop for the optional
# plots, dropped); the app jars stay on the module path beside the runtime because jlink refuses automatic modules.
modules=$("$JAVA_HOME/bin/jdeps" --multi-release 25 --ignore-missing-deps --print-module-deps \
  --module-path "$out/lib" --add-modules ALL-MODULE-PATH | tr ',' '\n' | grep -vx 'java.desktop' | paste -sd, -)
"$JAVA_HOME/bin/jlink" --add-modules "$modules" --strip-debug --no-header-files --no-man-pages \
  --compress zip-9 --output "$out/runtime"
if command -v strip >/dev/null 2>&1; then
  strip --strip-unneeded "$out"/runtime/lib/*.so "$out"/runtime/lib/server/*.so 2>/dev/null || true
fi

cat > "$out/bin/fusion4j" <<'LAUNCHER'
#!/bin/sh
# fusion4j with its own Java runtime. Extra JVM flags: FUSION4J_JAVA_OPTS; extra jars or folders of jars for the
# module path (a router or backend from outside): FUSION4J_MODULE_PATH, ':'-separated.
HERE="$(cd "$(dirname "$0")/.." && pwd)"
exec "$HERE/runtime/bin/java" ${FUSION4J_JAVA_OPTS:-} \
  --enable-native-access=io.fusion4j.tensor.cpu,io.fusion4j.tensor.cuda,io.fusion4j.tensor.onednn -Dguice_bytecode_gen_option=DISABLED \
  --add-modules com.google.common,org.objectweb.asm \
  --module-path "$HERE/lib${FUSION4J_MODULE_PATH:+:$FUSION4J_MODULE_PATH}" -m io.fusion4j.eval/io.fusion4j.eval.cli.Main "$@"
LAUNCHER
chmod +x "$out/bin/fusion4j"

size=$(du -sm "$out" | cut -f1)
echo "make-dist: $out is ${size} MiB (runtime modules: $modules)"
if [ "$size" -ge 60 ]; then
  echo "make-dist: the bundle is ${size} MiB, over the 60 MiB budget" >&2
  exit 1
fi
