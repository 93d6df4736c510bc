#!/usr/bin/env bash
# Makes `import zerolm` work after the build, with no package index and no copy:
# a zerolm.pth in the user site-packages of python3 (and of Debian's
# /usr/bin/python3 when that is another interpreter) naming BUILD/python, where
# the build puts the package. Run again after moving the checkout. In a virtual
# environment (no user site), use `pip install --no-build-isolation .` instead.
set -euo pipefail
build="${1:-build}"
[ -d "$build/python/zerolm" ] || { echo "install-python: $build/python/zerolm is missing: build first (cmake --build $build); the package needs python3-pybind11 and python3-dev" >&2; exit 2; }
package="$(cd "$build/python" && pwd)"
module="$(ls "$package"/zerolm/_zerolm.*.so 2>/dev/null | head -n 1 || true)"
[ -n "$module" ] || { echo "install-python: no extension module in $package/zerolm: build first" >&2; exit 2; }
seen=""
for py in python3 /usr/bin/python3; do
  path="$(command -v "$py" || true)"
  [ -n "$path" ] || continue
  real="$("$path" -c 'import sys; print(sys.executable)')"
  case " $seen " in *" $real "*) continue ;; esac
  seen="$seen $real"
  # Only an interpreter of the version the module was built for can load it.
  suffix="$("$path" -c 'import sysconfig; print(sysconfig.get_config_var("EXT_SUFFIX"))')"
  if [ "$module" != "$package/zerolm/_zerolm$suffix" ]; then
    echo "install-python: $path: skipped (the module is $(basename "$module"); it loads in the python3 it was built for)" >&2
    continue
  fi
  site="$("$path" -c 'import site, sys; sys.exit(1) if not site.ENABLE_USER_SITE else print(site.getusersitepackages())')" || {
    echo "install-python: $path: skipped (no user site-packages: a virtual environment; pip install --no-build-isolation . there)" >&2
    continue
  }
  mkdir -p "$site"
  printf '%s\n' "$package" > "$site/zerolm.pth"
  (cd / && "$path" -c "import zerolm") || { echo "install-python: $path cannot import zerolm from $package" >&2; exit 2; }
  echo "install-python: import zerolm works for $path ($site/zerolm.pth -> $package)"
done
