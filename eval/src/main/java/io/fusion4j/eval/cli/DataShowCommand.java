package io.fusion4j.eval.cli;

import io.fusion4j.api.UserInputException;
import io.fusion4j.eval.data.fetch.DatasetCache;
import io.fusion4j.eval.data.images.Datasets;
import io.fusion4j.eval.data.images.ImageTextDataset;
import io.fusion4j.eval.data.shapes.Colour;
import io.fusion4j.eval.data.shapes.ShapeKind;
import io.fusion4j.eval.data.shapes.ShapesWorld;
import io.fusion4j.eval.image.ImageGrid;
import io.fusion4j.eval.image.Png;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Callable;

/** {@code fusion4j data show NAME}: a labelled grid of samples (image and first caption per cell) as a PNG. */
@Command(name = "show", description = "Write a grid of samples of a dataset (image and first caption) to a PNG.")
final class DataShowCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", description = "The dataset: shapes, mnist, emoji (fetched first) or a folder of PNGs with"
            + " captions.tsv.")
    String name;

    @Option(names = "--split", defaultValue = "val", description = "train, val, test or compositional (default: ${DEFAULT-VALUE}).")
    String split;

    @Option(names = "--n", defaultValue = "64", description = "Samples to show (default: ${DEFAULT-VALUE}).")
    int n;

    @Option(names = "--out", defaultValue = "grid.png", description = "The PNG to write (default: ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--size", description = "shapes: image side, 16 to 64 pixels (default: 32); emoji: 64, 32 or 16"
            + " (default: 64).")
    Integer size;

    @Option(names = "--seed", defaultValue = "0", description = "shapes: the world's seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--hold-out", split = ",", description = "shapes: colour/shape pairs kept out of train, val and test,"
            + " e.g. red/triangle,blue/ring.")
    List<String> holdOut;

    @Option(names = "--cache", paramLabel = "DIR",
            description = "Where fetched datasets are (default: $XDG_CACHE_HOME/fusion4j, else ~/.cache/fusion4j).")
    Path cache;

    @Option(names = "--columns", defaultValue = "8", description = "Cells per row (default: ${DEFAULT-VALUE}).")
    int columns;

    @Option(names = "--scale", defaultValue = "3", description = "Pixels per image pixel (default: ${DEFAULT-VALUE}).")
    int scale;

    @Override
    public Integer call() throws Exception {
        if (n < 1 || n > 1024) {
            throw new UserInputException("--n must be in [1, 1024], found " + n);
        }
        if (columns < 1 || columns > 64 || scale < 1 || scale > 16) {
            throw new UserInputException("--columns must be in [1, 64] and --scale in [1, 16], found " + columns + " and "
                    + scale);
        }
        List<ImageGrid.Cell> cells = new ArrayList<>();
        String attribution = "";
        if (split.equals("compositional") || name.equals("shapes") && split.equals("test")) {
            if (!name.equals("shapes")) {
                throw new UserInputException("--split " + split + " exists for shapes only");
            }
            ShapesWorld world = new ShapesWorld(size == null ? 32 : size, seed, combos(holdOut));
            ShapesWorld.Split s = split.equals("test") ? ShapesWorld.Split.TEST : ShapesWorld.Split.COMPOSITIONAL;
            for (int i = 0; i < n; i++) {
                ShapesWorld.Sample sample = world.sample(s, i);
                cells.add(new ImageGrid.Cell(sample.image(), sample.captions().getFirst()));
            }
        } else {
            ImageTextDataset.Split s = switch (split) {
                case "train" -> ImageTextDataset.Split.TRAIN;
                case "val" -> ImageTextDataset.Split.VALIDATION;
                default -> throw new UserInputException("--split: expected train, val, test or compositional, found "
                        + split);
            };
            Path root = DatasetCache.rootFor(cache);
            ImageTextDataset data = Datasets.open(name, new ShapesWorld(name.equals("shapes") && size != null ? size
                    : 32, seed, combos(holdOut)), new DatasetCache(root), false, name.equals("shapes") ? null : size);
            int count = Math.min(n, data.size(s));
            for (int i = 0; i < count; i++) {
                ImageTextDataset.Sample sample = data.get(s, i);
                cells.add(new ImageGrid.Cell(sample.image(), sample.captions().getFirst()));
            }
            attribution = data.attribution();
            n = count;
        }
        Path parent = out.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        Png.write(ImageGrid.render(cells, columns, scale, 4, attribution), out);
        spec.commandLine().getOut().printf("wrote %d %s samples (%s split) to %s%n", n, name, split, out);
        if (!attribution.isEmpty()) {
            spec.commandLine().getOut().println("images: " + attribution);
        }
        return 0;
    }

    /** {@code red/triangle,blue/ring} as combinations; a bad pair names itself and what exists. */
    static Set<ShapesWorld.Combo> combos(List<String> specs) {
        Set<ShapesWorld.Combo> out = new LinkedHashSet<>();
        if (specs == null) {
            return out;
        }
        for (String spec : specs) {
            String[] p = spec.toUpperCase(Locale.ROOT).split("/");
            try {
                if (p.length != 2) {
                    throw new IllegalArgumentException();
                }
                out.add(new ShapesWorld.Combo(Colour.valueOf(p[0]), ShapeKind.valueOf(p[1])));
            } catch (IllegalArgumentException e) {
                throw new UserInputException("--hold-out: expected colour/shape with a colour of "
                        + java.util.Arrays.toString(Colour.values()).toLowerCase(Locale.ROOT) + " and a shape of "
                        + java.util.Arrays.toString(ShapeKind.values()).toLowerCase(Locale.ROOT) + ", found " + spec);
            }
        }
        return out;
    }
}
