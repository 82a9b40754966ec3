package io.fusion4j.eval.classify;

import io.fusion4j.eval.data.shapes.Colour;
import io.fusion4j.eval.data.shapes.GridCell;
import io.fusion4j.eval.data.shapes.ShapeKind;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * What a shapes caption says, real or generated: the objects it mentions (number, size, colour, shape, and cell when
 * it gives one) and, summed over them, the colours, shapes and cells it names and how many objects it counts. Parsing
 * uses exactly the dataset's words ({@link Colour#word()}, {@link ShapeKind#word()} and {@link ShapeKind#plural()},
 * {@link GridCell#phrase()} and {@link GridCell#shortName()}, the numbers "a", "an", "one", "two", "three") and
 * every phrasing {@link io.fusion4j.eval.data.shapes.Scene#captions()} writes. It is lenient, since a generated caption
 * may be malformed: a word it does not know is skipped and listed in {@code unknownWords}; a colour or size without a
 * shape after it still counts as a colour named, but not as an object.
 *
 * <p>Relations ("above", "below", "to the left of", "to the right of") are read as separators: they say where one
 * object is relative to another, not which cell either occupies, so such a caption names no cells.
 *
 * @param truth the colours, shapes and cells named, and the objects mentioned (the sum of the mentions' numbers), as a
 *              truth to compare with {@link ShapesTruth#of}; cells are empty when unnamed
 */
public record CaptionAttributes(List<Mention> mentions, ShapesTruth truth, List<String> unknownWords) {
    /**
     * One mentioned object or group of equal objects ("two blue squares"): its number, and each attribute the caption
     * gives for it (empty when it gives none).
     */
    public record Mention(int number, Optional<Boolean> large, Optional<Colour> colour, ShapeKind shape,
                          Optional<GridCell> cell) {
    }

    private static final Map<String, Integer> NUMBERS = Map.of("a", 1, "an", 1, "one", 1, "two", 2, "three", 3);
    private static final List<String> FILLER = List.of("and", "the", "with", "of", "in", "at", "on", "is", "are");
    private static final List<List<String>> RELATIONS = List.of(List.of("to", "the", "left", "of"),
            List.of("to", "the", "right", "of"), List.of("above"), List.of("below"));
    /** Every cell phrase, longest first, so "in the top left" is never read as "top" and then "left". */
    private static final List<CellWords> CELL_WORDS = cellWords();

    private record CellWords(List<String> words, GridCell cell) {
    }

    public CaptionAttributes {
        mentions = List.copyOf(mentions);
        unknownWords = List.copyOf(unknownWords);
    }

    public EnumSet<Colour> colours() {
        return truth.colours();
    }

    public EnumSet<ShapeKind> shapes() {
        return truth.shapes();
    }

    public EnumSet<GridCell> cells() {
        return truth.cells();
    }

    /** The objects mentioned: the sum of the mentions' numbers. */
    public int count() {
        return truth.count();
    }

    /** Whether every mentioned object is given a cell (the full and terse captions): then {@link #truth()} is whole. */
    public boolean locatesEveryObject() {
        return !mentions.isEmpty() && mentions.stream().allMatch(m -> m.cell().isPresent());
    }

    /** Parses {@code caption}; never fails: what it cannot read ends up in {@link #unknownWords()}. */
    public static CaptionAttributes parse(String caption) {
        String[] words = caption.toLowerCase(Locale.ROOT).replaceAll("[,;.:!?]", " ").trim().split("\\s+");
        List<String> w = words.length == 1 && words[0].isEmpty() ? List.of() : Arrays.asList(words);
        List<Mention> mentions = new ArrayList<>();
        EnumSet<Colour> colours = EnumSet.noneOf(Colour.class);
        EnumSet<ShapeKind> shapes = EnumSet.noneOf(ShapeKind.class);
        EnumSet<GridCell> cells = EnumSet.noneOf(GridCell.class);
        List<String> unknown = new ArrayList<>();
        Integer number = null;
        Boolean large = null;
        Colour colour = null;
        int i = 0;
        while (i < w.size()) {
            int relation = match(w, i, RELATIONS);
            if (relation > 0) {
                i += relation;
                continue;
            }
            CellWords cw = cellAt(w, i);
            if (cw != null) {
                cells.add(cw.cell());
                // A cell belongs to the object just before it ("a red circle in the top left", "red circle, top left").
                if (!mentions.isEmpty() && mentions.getLast().cell().isEmpty()) {
                    Mention m = mentions.removeLast();
                    mentions.add(new Mention(m.number(), m.large(), m.colour(), m.shape(), Optional.of(cw.cell())));
                }
                i += cw.words().size();
                continue;
            }
            String word = w.get(i++);
            Colour c = colour(word);
            ShapeKind singular = shape(word, false);
            ShapeKind plural = shape(word, true);
            if (NUMBERS.containsKey(word)) {
                number = NUMBERS.get(word);
                large = null;
                colour = null;
            } else if (word.equals("small") || word.equals("large")) {
                large = word.equals("large");
            } else if (c != null) {
                colour = c;
                colours.add(c);
            } else if (singular != null || plural != null) {
                ShapeKind k = singular != null ? singular : plural;
                // A bare plural ("squares") says more than one; with no number word the least that is, two.
                int n = number != null ? number : singular != null ? 1 : 2;
                mentions.add(new Mention(n, Optional.ofNullable(large), Optional.ofNullable(colour), k,
                        Optional.empty()));
                shapes.add(k);
                number = null;
                large = null;
                colour = null;
            } else if (!FILLER.contains(word)) {
                unknown.add(word);
            }
        }
        int count = mentions.stream().mapToInt(Mention::number).sum();
        return new CaptionAttributes(mentions, new ShapesTruth(colours, shapes, cells, count), unknown);
    }

    private static Colour colour(String word) {
        for (Colour c : Colour.values()) {
            if (c.word().equals(word)) {
                return c;
            }
        }
        return null;
    }

    private static ShapeKind shape(String word, boolean plural) {
        for (ShapeKind k : ShapeKind.values()) {
            if ((plural ? k.plural() : k.word()).equals(word)) {
                return k;
            }
        }
        return null;
    }

    /** The length of the first of {@code phrases} that {@code words} holds at {@code i}, or 0. */
    private static int match(List<String> words, int i, List<List<String>> phrases) {
        for (List<String> p : phrases) {
            if (i + p.size() <= words.size() && words.subList(i, i + p.size()).equals(p)) {
                return p.size();
            }
        }
        return 0;
    }

    private static CellWords cellAt(List<String> words, int i) {
        for (CellWords cw : CELL_WORDS) {
            if (match(words, i, List.of(cw.words())) > 0) {
                return cw;
            }
        }
        return null;
    }

    private static List<CellWords> cellWords() {
        List<CellWords> out = new ArrayList<>();
        for (GridCell c : GridCell.values()) {
            out.add(new CellWords(List.of(c.phrase().split(" ")), c));
            out.add(new CellWords(List.of(c.shortName().split(" ")), c));
        }
        out.sort(Comparator.comparingInt((CellWords cw) -> cw.words().size()).reversed());
        return List.copyOf(out);
    }
}
