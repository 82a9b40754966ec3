package io.fusion4j.eval.data.images;

import io.fusion4j.api.UserInputException;
import io.fusion4j.eval.data.fetch.Catalogue;
import io.fusion4j.eval.data.fetch.DatasetCache;
import io.fusion4j.eval.data.shapes.ShapesWorld;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Opens an image–text dataset by name: {@code shapes}, {@code mnist}, {@code emoji}, or a folder of PNGs. */
public final class Datasets {
    private Datasets() {
    }

    /**
     * @param cache the dataset cache the fetched datasets live in
     * @param rgb   promote grey images to three channels
     */
    public static ImageTextDataset open(String name, ShapesWorld shapes, DatasetCache cache, boolean rgb)
            throws IOException {
        return open(name, shapes, cache, rgb, null);
    }

    /**
     * @param size the image side for datasets that can be drawn or read at several (shapes: its world's; emoji: 64,
     *             32 or 16), or null for the dataset's own; a size for any other dataset is an error
     */
    public static ImageTextDataset open(String name, ShapesWorld shapes, DatasetCache cache, boolean rgb, Integer size)
            throws IOException {
        checkSize(name, size);
        return switch (name) {
            case "shapes" -> new ShapesImages(shapes, 1_000_000, 10_000);
            case "mnist" -> MnistImages.read(fetched(cache, "mnist"), rgb);
            case "emoji" -> EmojiImages.read(fetched(cache, "emoji"), size == null ? 0 : size);
            default -> {
                Path folder = Path.of(name);
                if (!Files.isDirectory(folder)) {
                    throw new UserInputException("expected a dataset (shapes, mnist, emoji) or a folder of PNGs with "
                            + FolderImages.CAPTIONS + ", found " + name);
                }
                yield FolderImages.read(folder, rgb);
            }
        };
    }

    /**
     * Checks {@code --size} for {@code name}: shapes are drawn at 16 to 64 pixels, emoji read at 64, 32 or 16, and no
     * other dataset takes a size; null (the dataset's own) always passes.
     *
     * @throws UserInputException naming the option, what it takes and what was given
     */
    public static void checkSize(String name, Integer size) {
        if (size == null) {
            return;
        }
        switch (name) {
            case "shapes" -> {
                if (size < 16 || size > 64) {
                    throw new UserInputException("--size must be in [16, 64] pixels, found " + size);
                }
            }
            case "emoji" -> {
                if (size != 64 && size != 32 && size != 16) {
                    throw new UserInputException("--size: emoji are 64, 32 or 16 pixels, found " + size);
                }
            }
            default -> throw new UserInputException("--size applies to --dataset shapes and emoji only, found"
                    + " --dataset " + name);
        }
    }

    private static Path fetched(DatasetCache cache, String name) {
        Path pkg = cache.packageFolder(Catalogue.builtin().get(name));
        if (!Files.isDirectory(pkg)) {
            throw new UserInputException(name + " is not in the cache " + cache.root() + "; run 'fusion4j data fetch "
                    + name + "' (or pass --cache)");
        }
        return pkg;
    }
}
