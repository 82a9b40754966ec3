package io.fusion4j.eval.cli;

import io.fusion4j.eval.data.fetch.DatasetCache;
import io.fusion4j.eval.data.images.Datasets;
import io.fusion4j.eval.data.images.ImageTextDataset;
import io.fusion4j.eval.data.shapes.ShapesWorld;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Set;

/** picocli mixin: the dataset an image tokenizer trains on or is shown on, opened as {@code data show} opens it. */
final class TokenizerDatasetOptions {
    @Option(names = "--dataset", defaultValue = "shapes", description = "shapes (built in), mnist or emoji (fetched"
            + " with 'fusion4j data fetch'), or a folder of PNGs with captions.tsv (default: ${DEFAULT-VALUE}).")
    String name;

    @Option(names = "--size", description = "shapes: image side in pixels (default: 32); emoji: 64, 32 or 16 (default:"
            + " 64).")
    Integer size;

    @Option(names = "--cache", paramLabel = "DIR",
            description = "Where fetched datasets are (default: $XDG_CACHE_HOME/fusion4j, else ~/.cache/fusion4j).")
    Path cache;

    /** The dataset; grey images are promoted to RGB when {@code rgb}. */
    ImageTextDataset open(boolean rgb) throws IOException {
        return Datasets.open(name, new ShapesWorld(name.equals("shapes") && size != null ? size : 32, 0, Set.of()),
                new DatasetCache(DatasetCache.rootFor(cache)), rgb, name.equals("shapes") ? null : size);
    }
}
