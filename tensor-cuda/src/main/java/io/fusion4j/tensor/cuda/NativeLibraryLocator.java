package io.fusion4j.tensor.cuda;

import java.lang.foreign.Arena;
import java.lang.foreign.SymbolLookup;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Finds a native library by file name in a list of folders, then through the system loader, and
 * remembers every attempt so a failure can say exactly where it looked and why each try failed.
 *
 * <p>Folders, in order: the configured ones ({@code fusion4j.cuda.path} system property, then the
 * {@code FUSION4J_CUDA_PATH} environment variable; colon-separated), {@code $CUDA_HOME/lib64},
 * {@code $CUDA_PATH/lib64}, {@code /usr/local/cuda/lib64}, {@code /usr/local/cuda-* /lib64}, the driver's
 * usual homes ({@code /usr/lib/x86_64-linux-gnu}, {@code /usr/lib64}, {@code /usr/local/nvidia/lib64},
 * {@code /usr/lib/wsl/lib}), the {@code nvidia/* /lib} folders that PyTorch's wheels install, and
 * {@code LD_LIBRARY_PATH}.
 */
final class NativeLibraryLocator {
    /** System property with extra library folders. */
    static final String PROPERTY = "fusion4j.cuda.path";
    /** Environment variable with extra library folders. */
    static final String ENV = "FUSION4J_CUDA_PATH";

    /** A loaded library and where it came from. */
    record Found(SymbolLookup lookup, String location) {
    }

    private final List<Path> folders;

    NativeLibraryLocator(List<Path> folders) {
        this.folders = List.copyOf(folders);
    }

    /** The default search folders of this machine. */
    static NativeLibraryLocator standard() {
        Set<Path> f = new LinkedHashSet<>();
        addAll(f, System.getProperty(PROPERTY));
        addAll(f, System.getenv(ENV));
        for (String var : new String[]{"CUDA_HOME", "CUDA_PATH"}) {
            String v = System.getenv(var);
            if (v != null && !v.isBlank()) {
                f.add(Path.of(v, "lib64"));
            }
        }
        f.add(Path.of("/usr/local/cuda/lib64"));
        glob(f, Path.of("/usr/local"), "cuda-*", "lib64");
        f.add(Path.of("/usr/lib/x86_64-linux-gnu"));
        f.add(Path.of("/usr/lib64"));
        f.add(Path.of("/usr/local/nvidia/lib64"));
        f.add(Path.of("/usr/lib/wsl/lib"));
        for (String py : new String[]{"/usr/local/lib", "/usr/lib", System.getProperty("user.home") + "/.local/lib"}) {
            List<Path> pythons = new ArrayList<>();
            glob(pythons, Path.of(py), "python3*", null);
            for (Path p : pythons) {
                for (String sp : new String[]{"site-packages", "dist-packages"}) {
                    glob(f, p.resolve(sp).resolve("nvidia"), "*", "lib");
                }
            }
        }
        addAll(f, System.getenv("LD_LIBRARY_PATH"));
        return new NativeLibraryLocator(new ArrayList<>(f));
    }

    private static void addAll(java.util.Collection<Path> into, String colonSeparated) {
        if (colonSeparated == null) {
            return;
        }
        for (String s : colonSeparated.split(":")) {
            if (!s.isBlank()) {
                into.add(Path.of(s.trim()));
            }
        }
    }

    private static void glob(java.util.Collection<Path> into, Path dir, String pattern, String child) {
        if (!Files.isDirectory(dir)) {
            return;
        }
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, pattern)) {
            List<Path> sorted = new ArrayList<>();
            ds.forEach(sorted::add);
            sorted.sort(null);
            for (Path p : sorted) {
                into.add(child == null ? p : p.resolve(child));
            }
        } catch (java.io.IOException | SecurityException e) {
            // an unreadable folder is simply not searched
        }
    }

    List<Path> folders() {
        return folders;
    }

    /**
     * Loads the first of {@code names} (e.g. {@code libcublas.so.13}, {@code libcublas.so.12}) found in a
     * folder, else through the system loader. Failures are appended to {@code attempts}.
     */
    Found load(List<String> names, List<String> attempts) {
        for (Path folder : folders) {
            for (String name : names) {
                Path p = folder.resolve(name);
                if (!Files.exists(p)) {
                    continue;
                }
                try {
                    return new Found(SymbolLookup.libraryLookup(p, Arena.global()), p.toString());
                } catch (IllegalArgumentException | IllegalCallerException e) {
                    attempts.add(p + " (" + e.getMessage() + ")");
                }
            }
        }
        String lastError = "";
        for (String name : names) {
            try {
                return new Found(SymbolLookup.libraryLookup(name, Arena.global()), name + " (system search path)");
            } catch (IllegalArgumentException | IllegalCallerException e) {
                lastError = e.getMessage();
            }
        }
        attempts.add(String.join(" or ", names) + " not found in " + folders.stream().map(Path::toString).toList()
                + " nor by the system loader (" + lastError + ")");
        return null;
    }
}
