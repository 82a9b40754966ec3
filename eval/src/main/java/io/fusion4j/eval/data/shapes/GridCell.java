package io.fusion4j.eval.data.shapes;

/** Where an object sits: one cell of a 3×3 grid, with the phrase captions use for it. */
public enum GridCell {
    TOP_LEFT(0, 0, "in the top left", "top left"),
    TOP(0, 1, "at the top", "top"),
    TOP_RIGHT(0, 2, "in the top right", "top right"),
    LEFT(1, 0, "on the left", "left"),
    CENTRE(1, 1, "in the centre", "centre"),
    RIGHT(1, 2, "on the right", "right"),
    BOTTOM_LEFT(2, 0, "in the bottom left", "bottom left"),
    BOTTOM(2, 1, "at the bottom", "bottom"),
    BOTTOM_RIGHT(2, 2, "in the bottom right", "bottom right");

    private final int row;
    private final int column;
    private final String phrase;
    private final String shortName;

    GridCell(int row, int column, String phrase, String shortName) {
        this.row = row;
        this.column = column;
        this.phrase = phrase;
        this.shortName = shortName;
    }

    public int row() {
        return row;
    }

    public int column() {
        return column;
    }

    /** "in the top left". */
    public String phrase() {
        return phrase;
    }

    /** "top left". */
    public String shortName() {
        return shortName;
    }
}
