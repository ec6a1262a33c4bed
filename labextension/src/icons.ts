import { LabIcon } from '@jupyterlab/ui-components';

import amlSvg from '../style/icons/aml.svg';

/** The sidebar tab and settings icon (a flask). */
export const amlIcon = new LabIcon({ name: 'amlx-lab:aml', svgstr: amlSvg });
