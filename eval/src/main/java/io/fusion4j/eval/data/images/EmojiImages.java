package io.fusion4j.eval.data.images;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fusion4j.api.UserInputException;
import io.fusion4j.eval.image.Png;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Emoji from the {@code emoji-datasource-twitter} npm package: {@code emoji.json} names each emoji (name, short
 * names) and its image in {@code img/twitter/64/}; 64×64 RGBA PNGs, composited over white. Captions come from the
 * names ("grinning face", "an emoji of a grinning face", "grinning"); the label is the emoji's category ("Smileys &
 * Emotion", one of {@link #CATEGORIES}). Every tenth emoji is validation. Images are read at 64, 32 or 16 pixels (the
 * smaller sides average 2×2 or 4×4 blocks). The images are CC-BY 4.0: {@link #attribution()} must be shown with them.
 */
public final class EmojiImages implements ImageTextDataset {
    /** One emoji: its image file and captions. */
    private record Entry(Path image, List<String> captions, String label) {
    }

    /** The package's categories, in the order a classifier numbers them. */
    public static final List<String> CATEGORIES = List.of("Smileys & Emotion", "People & Body", "Animals & Nature",
            "Food & Drink", "Travel & Places", "Activities", "Objects", "Symbols", "Flags", "Component");
    /** The side of the package's images. */
    public static final int SIDE = 64;

    private final List<Entry> entries;
    private final int side;

    private EmojiImages(List<Entry> entries, int side) {
        this.entries = entries;
        this.side = side;
    }

    /** Reads the package folder {@code pkg} ({@code DatasetCache.packageFolder}) with its images as stored. */
    public static EmojiImages read(Path pkg) throws IOException {
        return read(pkg, 0);
    }

    /**
     * Reads the package folder {@code pkg} ({@code DatasetCache.packageFolder}); images are decoded, at {@code side}
     * pixels (64, 32 or 16; 0 for as stored), when asked for.
     */
    public static EmojiImages read(Path pkg, int side) throws IOException {
        if (side != 0 && side != 64 && side != 32 && side != 16) {
            throw new UserInputException("emoji: images are 64, 32 or 16 pixels, found " + side);
        }
        Path index = pkg.resolve("emoji.json");
        if (!Files.isRegularFile(index)) {
            throw new UserInputException(index + ": missing; run 'fusion4j data fetch emoji' first");
        }
        JsonNode all = new ObjectMapper().readTree(index.toFile());
        if (!all.isArray()) {
            throw new UserInputException(index + ": expected a JSON array of emoji, found " + all.getNodeType());
        }
        List<Entry> entries = new ArrayList<>();
        for (JsonNode e : all) {
            if (!e.path("has_img_twitter").asBoolean(false) || !e.hasNonNull("image")) {
                continue;
            }
            Path image = pkg.resolve("img/twitter/64").resolve(e.get("image").asText());
            if (!Files.isRegularFile(image) || !image.normalize().startsWith(pkg.normalize())) {
                continue; // listed but not shipped at 64 px
            }
            Set<String> caps = new LinkedHashSet<>();
            String name = e.path("name").asText("").toLowerCase(Locale.ROOT).strip();
            if (!name.isEmpty()) {
                caps.add(name);
                caps.add("an emoji of " + ("aeiou".indexOf(name.charAt(0)) >= 0 ? "an " : "a ") + name);
            }
            for (JsonNode s : e.path("short_names")) {
                caps.add(s.asText().replace('_', ' ').replace('-', ' '));
            }
            if (caps.isEmpty()) {
                continue;
            }
            String category = e.path("category").asText("");
            entries.add(new Entry(image, List.copyOf(caps), CATEGORIES.contains(category) ? category : null));
        }
        if (entries.isEmpty()) {
            throw new UserInputException(index + ": lists no emoji with a 64 px Twitter image");
        }
        return new EmojiImages(entries, side);
    }

    @Override
    public String name() {
        return "emoji";
    }

    @Override
    public int size(Split split) {
        return TenthSplit.size(entries.size(), split);
    }

    @Override
    public Sample get(Split split, int index) {
        Entry e = entries.get(TenthSplit.position(entries.size(), split, index, "emoji"));
        try {
            var image = Png.read(e.image());
            return new Sample(side == 0 ? image : shrunk(image, side), e.captions(), e.label());
        } catch (IOException x) {
            throw new java.io.UncheckedIOException(x);
        }
    }

    /** {@code im} at {@code side} pixels: the mean of each block of (its side / side)² pixels. */
    static io.fusion4j.api.data.Image shrunk(io.fusion4j.api.data.Image im, int side) {
        if (im.height() == side && im.width() == side) {
            return im;
        }
        if (im.height() != im.width() || im.height() % side != 0) {
            throw new UserInputException("emoji: a " + im.height() + "x" + im.width() + " image cannot be shrunk to "
                    + side + "x" + side);
        }
        int f = im.height() / side;
        float[] out = new float[im.channels() * side * side];
        for (int c = 0; c < im.channels(); c++) {
            for (int y = 0; y < side; y++) {
                for (int x = 0; x < side; x++) {
                    float sum = 0;
                    for (int dy = 0; dy < f; dy++) {
                        for (int dx = 0; dx < f; dx++) {
                            sum += im.at(c, y * f + dy, x * f + dx);
                        }
                    }
                    out[(c * side + y) * side + x] = sum / (f * f);
                }
            }
        }
        return new io.fusion4j.api.data.Image(im.channels(), side, side, out);
    }

    @Override
    public String attribution() {
        return "Twemoji images (c) Twitter, Inc and other contributors, CC-BY 4.0; emoji data MIT (c) 2013 Cal Henderson";
    }
}
