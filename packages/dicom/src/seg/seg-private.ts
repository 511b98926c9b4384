// A SEG numbers its segments 1, 2, 3... whatever the mask's labels are. To read a mask of labels 1, 4 and
// 7 back as 1, 4 and 7, the writer records each segment's label in a private element of its Segment
// Sequence item (PS3.5 7.8: a private creator in (0071,0010) reserves (0071,10xx) within that item).

/** The private creator of the label element. */
export const LABEL_PRIVATE_CREATOR = 'MEDAAS SEG';
/** (0071,0010): the private creator element, in dcmjs's tag notation. */
export const LABEL_PRIVATE_CREATOR_TAG = '00710010';
/** (0071,1001) US: the mask label of the segment. */
export const LABEL_PRIVATE_TAG = '00711001';
