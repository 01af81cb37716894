/**
 * Entry of the integration-test bundle (`dist/test/suite/index.js`), loaded by VS Code's extension
 * host through `extensionTestsPath`. Every suite is imported statically into the same bundle;
 * add new ones below. `mocha-globals` must stay the first import: it defines `describe`/`it`.
 */
import { mocha } from './mocha-globals';
import './smoke.test';
import './editor.test';
import './editor_faults.test';
import './finetune.test';
import './styles.test';
import './editor_export_style.test';
import './contributions.test';
import './sample_dataset.test';
import './preview_timings.test';
import './preview_model_file.test';
import './run_view.test';

export function run(): Promise<void> {
  return new Promise((resolve, reject) => {
    try {
      mocha.run((failures) => {
        if (failures > 0) reject(new Error(`${failures} integration test(s) failed.`));
        else resolve();
      });
    } catch (err) {
      reject(err);
    }
  });
}
