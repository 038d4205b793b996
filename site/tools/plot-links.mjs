// Build time: which values fill the plots' title slots (the textbook values of the code names and
// sliders) and which plots mark a slider's value (see site/src/plot-marks.mjs for both conventions).
// Asks the engine: a plot marks a slider only if moving the slider does not redraw it (its x axis is the
// slider's quantity, not something the slider changes), its x label names the slider's quantity, and the
// slider's range meets the plot's x range.
import { noteValues, titleSlots, labelsMatch, markerSymbol } from '../src/plot-marks.mjs';

/**
 * @param nb the loaded notebook (engine, node), its cells already run (`results`: nb.runAll())
 * @param cells nb.cells()
 * @returns {{values: Map<string, string>, markers: Map<string, {slider: string, symbol: string}>, errors: {line: number, message: string}[]}}
 */
export function plotLinks(nb, cells, results) {
  const values = noteValues(new Map(), results);
  const sliders = cells.filter((c) => c.type === 'slider');
  for (const s of sliders) values.set(s.slider.name, String(s.slider.value));
  const markers = new Map();
  const errors = [];
  for (const plot of cells.filter((c) => c.type === 'plot')) {
    for (const name of titleSlots(plot.plot.title)) {
      if (!values.has(name)) errors.push({ line: plot.line, message: `plot ${plot.id}: the title's {{${name}}} names no variable of a code cell and no slider` });
    }
    for (const s of sliders) {
      if (!labelsMatch(plot.plot.xlabel, s.slider.label)) continue;
      const { name, value, min, max } = s.slider;
      const moved = nb.setSlider(name, value === max ? min : max);
      nb.setSlider(name, value);
      if (!moved.ok || moved.cells.some((c) => c.cell === plot.id)) continue;
      const data = nb.plot(plot.id);
      if (!data.ok || !data.x.length) continue;
      const xs = Array.from(data.x).filter(Number.isFinite);
      if (Math.max(...xs) < min || Math.min(...xs) > max) continue;
      markers.set(plot.id, { slider: name, symbol: markerSymbol(plot.plot.xlabel) });
      break;
    }
  }
  return { values, markers, errors };
}
