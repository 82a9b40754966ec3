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
 * names ("grinning face", "an emoji of a grinning face", "grinning"). Every tenth emoji is validation. The images are
 * CC-BY 4.0: {@link #attribution()} must be shown with them.
 */
public final class EmojiImages implements ImageTextDataset {
    /** One emoji: its image file and captions. */
    private record Entry(Path image, List<String> captions, String label) {
    }

    private final List<Entry> entries;

    private EmojiImages(List<Entry> entries) {
        this.entries = entries;
    }

    /** Reads the package folder {@code pkg} ({@code DatasetCache.packageFolder}); images are decoded when asked for. */
    public static EmojiImages read(Path pkg) throws IOException {
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
            entries.add(new Entry(image, List.copyOf(caps), e.path("short_name").asText(name)));
        }
        if (entries.isEmpty()) {
            throw new UserInputException(index + ": lists no emoji with a 64 px Twitter image");
        }
        return new EmojiImages(entries);
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
            return new Sample(Png.read(e.image()), e.captions(), e.label());
        } catch (IOException x) {
            throw new java.io.UncheckedIOException(x);
        }
    }

    @Override
    public String attribution() {
        return "Twemoji images (c) Twitter, Inc and other contributors, CC-BY 4.0; emoji data MIT (c) 2013 Cal Henderson";
    }
}
