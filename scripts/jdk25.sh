# Sourced by ./build, ./fusion4j and .ci/run: finds a JDK 25 or newer and exports JAVA_HOME.
# Order: $JAVA_HOME, the java on PATH, then /usr/lib/jvm/*. Fails with one sentence if none is found.

fusion4j_java_major() {
  # Prints the feature version of the JDK whose home is $1 (empty when it is not a JDK).
  [ -x "$1/bin/java" ] && [ -x "$1/bin/javac" ] || return 1
  local release="$1/release" v
  if [ -f "$release" ]; then
    v=$(sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$release")
  else
    v=$("$1/bin/java" -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -n 1)
  fi
  [ -n "$v" ] && echo "$v"
}

fusion4j_find_jdk() {
  local candidates=() c major
  [ -n "${JAVA_HOME:-}" ] && candidates+=("$JAVA_HOME")
  if command -v java >/dev/null 2>&1; then
    c=$(readlink -f "$(command -v java)")
    candidates+=("$(dirname "$(dirname "$c")")")
  fi
  for c in /usr/lib/jvm/*; do candidates+=("$c"); done
  for c in "${candidates[@]}"; do
    major=$(fusion4j_java_major "$c" 2>/dev/null) || continue
    if [ -n "$major" ] && [ "$major" -ge 25 ]; then
      echo "$c"
      return 0
    fi
  done
  return 1
}

if ! FUSION4J_JDK=$(fusion4j_find_jdk); then
  echo "fusion4j: no JDK 25 or newer found in JAVA_HOME, on PATH or under /usr/lib/jvm; install one (for example Temurin 25) or point JAVA_HOME at it." >&2
  exit 1
fi
export JAVA_HOME="$FUSION4J_JDK"
export PATH="$JAVA_HOME/bin:$PATH"
