import { deploymentSize } from '../deploysize';

describe('deploymentSize', () => {
  it('sends nothing on a target without instance types, whatever was typed', () => {
    expect(deploymentSize(false, 'Standard_F2s_v2', '2')).toEqual({});
  });

  it('sends what was typed, trimmed, with the count as a number', () => {
    expect(deploymentSize(true, ' Standard_F2s_v2 ', ' 3 ')).toEqual({ instance_type: 'Standard_F2s_v2', instance_count: 3 });
  });

  it('leaves empty fields to the settings', () => {
    expect(deploymentSize(true, '', '')).toEqual({});
    expect(deploymentSize(true, '', '2')).toEqual({ instance_count: 2 });
  });
});
