package io.fusion4j.eval.data.images;

import io.fusion4j.api.UserInputException;
import io.fusion4j.api.io.BoundedText;
import io.fusion4j.eval.image.Png;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A user's own images: a folder of PNGs and {@value #CAPTIONS}, one line per caption, {@code FILE.png<TAB>caption}
 * (several lines may name one file). Files are in the order of their first line; every tenth is validation.
 */
public final class FolderImages implements ImageTextDataset {
    public static final String CAPTIONS = "captions.tsv";
    private final String name;
    private final List<Path> files;
    private final List<List<String>> captions;
    private final boolean rgb;

    private FolderImages(String name, List<Path> files, List<List<String>> captions, boolean rgb) {
        this.name = name;
        this.files = files;
        this.captions = captions;
        this.rgb = rgb;
    }

    /** Reads {@code folder}'s caption file; a line that does not parse or names a missing file is an error. */
    public static FolderImages read(Path given, boolean rgb) throws IOException {
        Path folder = given.toAbsolutePath().normalize(); // "." would normalise to an empty path no file starts with
        Path capFile = folder.resolve(CAPTIONS);
        if (!Files.isRegularFile(capFile)) {
            throw new UserInputException(folder + ": an image folder needs " + CAPTIONS + " (FILE.png<TAB>caption per"
                    + " line)");
        }
        Map<String, List<String>> byFile = new LinkedHashMap<>();
        List<String> lines = BoundedText.read(capFile, 64L << 20).lines().toList();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (line.isBlank()) {
                continue;
            }
            int tab = line.indexOf('\t');
            if (tab <= 0 || tab == line.length() - 1) {
                throw new UserInputException(capFile + ": line " + (i + 1) + ": expected FILE.png<TAB>caption, found \""
                        + line + "\"");
            }
            String file = line.substring(0, tab);
            Path p = folder.resolve(file).normalize();
            if (!p.startsWith(folder.normalize()) || !Files.isRegularFile(p)) {
                throw new UserInputException(capFile + ": line " + (i + 1) + ": no image " + file + " in " + folder);
            }
            byFile.computeIfAbsent(file, k -> new ArrayList<>()).add(line.substring(tab + 1).strip());
        }
        if (byFile.isEmpty()) {
            throw new UserInputException(capFile + ": names no image");
        }
        List<Path> files = new ArrayList<>();
        List<List<String>> caps = new ArrayList<>();
        byFile.forEach((f, c) -> {
            files.add(folder.resolve(f));
            caps.add(List.copyOf(c));
        });
        return new FolderImages(String.valueOf(folder.getFileName()), files, caps, rgb);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public int size(Split split) {
        return TenthSplit.size(files.size(), split);
    }

    @Override
    public Sample get(Split split, int index) {
        int at = TenthSplit.position(files.size(), split, index, name);
        try {
            var im = Png.read(files.get(at));
            return new Sample(rgb ? ImageTextDataset.promoted(im) : im, captions.get(at), null);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
