import { writeFileSync } from 'node:fs';
import { renderReport } from './screenshot';

// `make report-picture`: the README's picture of the demo report, taken from a real `make demo` run.
const [htmlPath = 'demo-output/report.html', pngPath = 'docs/demo-report.png'] = process.argv.slice(2);
renderReport(htmlPath, 1000).then(
  ({ png }) => {
    writeFileSync(pngPath, png);
    console.log(`${pngPath}: ${png.length} bytes, from ${htmlPath}`);
  },
  (error: Error) => {
    console.error(error.message);
    process.exitCode = 1;
  },
);
